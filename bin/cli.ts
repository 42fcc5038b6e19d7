/**
 * The `onnx-predict` process: fills src's space registry with datasets/'s builders (the one place
 * src/ and datasets/ meet), guards the pipes, runs the CLI. bin/onnx-predict.js starts it.
 */
import { registerDatasetSpaces } from '../datasets/index.ts';
import { main } from '../src/cli/main.ts';
import { guardPipes } from '../src/cli/io.ts';

guardPipes();
registerDatasetSpaces();
process.exitCode = await main(process.argv.slice(2));
