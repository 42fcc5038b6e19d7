/** `manifest.jsonl` is the training-data format of src/ (src/predictor/manifest.ts); the builders write it. */
export { MANIFEST_FILE, parseManifest, readManifest, validateRecord } from '../../src/predictor/manifest.ts';
