// A minimal require hook that lets plain Node run this package's TypeScript on a fresh clone,
// with no build step: each .ts file is type-stripped by typescript.transpileModule (no type
// check; `npm test` type-checks). Used by `npm run bench` and by the crypto known-answer test,
// which must run outside jest's vm context. Usage: node --require ./bench/register.js file.ts
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  });
  module._compile(outputText, filename);
};
