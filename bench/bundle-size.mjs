// Prints the raw, gzip and brotli sizes of the release hydrate bundle and
// fails when the brotli-compressed .wasm is over the budget.
//
// Usage: node bench/bundle-size.mjs [site-pkg-dir]   (default target/site/pkg)
// Run it after `cargo leptos build --release`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

// Brotli size limit of the .wasm, in bytes (300 KB).
const WASM_BROTLI_BUDGET = 300_000;

const dir = process.argv[2] ?? "target/site/pkg";

// Returns the bundle file with extension `ext`: pmblueprints.<ext>, or
// pmblueprints.<hash>.<ext> when cargo-leptos hashes the file names.
function bundleFile(ext) {
  const pattern = new RegExp(`^pmblueprints(\\.[A-Za-z0-9_-]+)?\\.${ext}$`);
  const matches = readdirSync(dir).filter((file) => pattern.test(file));
  if (matches.length !== 1) {
    console.error(`expected one pmblueprints .${ext} file in ${dir}, found ${matches.length}: ${matches.join(", ")}`);
    process.exit(1);
  }
  return matches[0];
}

const sizes = {};
for (const [name, ext] of [["pmblueprints.wasm", "wasm"], ["pmblueprints.js", "js"]]) {
  const bytes = readFileSync(join(dir, bundleFile(ext)));
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
