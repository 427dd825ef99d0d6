// Starts the WebAssembly test runner (Program.cs, published to artifacts/wasm/tests) under Node.js.
// Usage: node artifacts/wasm/tests/run.mjs [--suite NAME]... [--filter TEXT] [--list]
import { dotnet } from './wwwroot/_framework/dotnet.js';

const env = {};
for (const name of ['AURORA_SEED', 'AURORA_FUZZ_FRAMES']) {
  if (process.env[name]) env[name] = process.env[name];
}
const { runMain } = await dotnet
  .withApplicationArguments(...process.argv.slice(2))
  .withEnvironmentVariables(env)
  .create();
process.exitCode = await runMain();
