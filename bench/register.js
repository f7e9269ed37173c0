// A minimal require hook that lets plain Node load this package's TypeScript (type-stripping
// through typescript.transpileModule, no type check), for test helpers that must run outside
// jest's vm context. Usage: node --require ./test/crypto/ts-register.js file.ts
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
