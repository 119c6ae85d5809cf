// Compiles src/ to dist/ (tsconfig.build.json) and copies beside it the files the code reads at run time,
// so that production runs plain JavaScript with no TypeScript toolchain loaded.
//   node scripts/build.js                      build into dist/ (`npm run build`)
//   node scripts/build.js --out-dir DIR        build into DIR instead (the build test uses a temporary one)
//   node scripts/build.js --if-compiler        skip, saying so, when TypeScript is not installed: `prepare`
//                                              runs this on every `npm ci`, also on `npm ci --omit=dev`
// Plain JavaScript on purpose: it must run before anything is compiled and without tsx.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const outFlag = args.indexOf('--out-dir');
const outDir = outFlag >= 0 ? path.resolve(args[outFlag + 1] ?? '') : path.join(root, 'dist');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

if (!existsSync(tsc)) {
  if (args.includes('--if-compiler')) {
    console.log('callsync: TypeScript is not installed (npm ci --omit=dev?), so dist/ was not built; build it where the dev dependencies are');
    process.exit(0);
  }
  console.error('callsync: TypeScript is not installed: run `npm ci` (with the dev dependencies) first');
  process.exit(1);
}

// A file deleted from src/ must not live on in the build.
rmSync(outDir, { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', outDir], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

// Every non-TypeScript file under src/ (today src/schema/api.graphql) goes to the same place under the output,
// because the code finds them relative to its own module (new URL('…', import.meta.url)).
const srcDir = path.join(root, 'src');
for (const entry of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
  const from = path.join(entry.parentPath, entry.name);
  cpSync(from, path.join(outDir, path.relative(srcDir, from)));
}
