/**
 * The page's bundled example models ("Try the examples"): small committed ONNX files that
 * scripts/build-web.ts copies into dist/web/examples/ and the page route serves from this fixed
 * list (no path from a request reaches the file system). Real torchvision exports (random
 * weights, payloads stripped) of three ImageNet classifiers of different cost.
 */
export interface WebExample {
  /** File name under dist/web/examples/ and in the URL web/examples/<file>. */
  readonly file: string;
  readonly title: string;
  /** Where the build copies it from, relative to the package root. */
  readonly source: string;
}

export const WEB_EXAMPLES: readonly WebExample[] = Object.freeze([
  { file: 'resnet18.onnx', title: 'ResNet-18', source: 'test/fixtures/models/resnet18.onnx' },
  { file: 'mobilenet_v3_small.onnx', title: 'MobileNetV3-Small', source: 'test/fixtures/models/mobilenet_v3_small.onnx' },
  { file: 'efficientnet_b0.onnx', title: 'EfficientNet-B0', source: 'test/fixtures/models/efficientnet_b0.onnx' },
]);
