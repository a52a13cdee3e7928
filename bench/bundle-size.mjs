// Prints the raw, gzip and brotli sizes of the release hydrate bundle and
// fails when the brotli-compressed .wasm is over the budget.
//
// Usage: node bench/bundle-size.mjs [site-pkg-dir]   (default target/site/pkg)
// Run it after `cargo leptos build --release`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

// Brotli size limit of the .wasm, in bytes (300 KB).
const WASM_BROTLI_BUDGET = 300_000;

const dir = process.argv[2] ?? "target/site/pkg";
const sizes = {};
for (const name of ["pmblueprints.wasm", "pmblueprints.js"]) {
  const bytes = readFileSync(join(dir, name));
  sizes[name] = {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
    }).length,
  };
}

console.log("file               raw      gzip     brotli");
for (const [name, size] of Object.entries(sizes)) {
  console.log(
    `${name.padEnd(18)} ${String(size.raw).padStart(8)} ${String(size.gzip).padStart(8)} ${String(size.brotli).padStart(8)}`,
  );
}

const wasmBrotli = sizes["pmblueprints.wasm"].brotli;
if (wasmBrotli > WASM_BROTLI_BUDGET) {
  console.error(
    `bundle check failed: pmblueprints.wasm is ${wasmBrotli} bytes with brotli, over the budget of ${WASM_BROTLI_BUDGET}`,
  );
  process.exit(1);
}
console.log(`bundle check passed: pmblueprints.wasm is ${wasmBrotli} of ${WASM_BROTLI_BUDGET} bytes with brotli`);
