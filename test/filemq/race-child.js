// Runs test/filemq/authorizer-race.ts in this process, straight from the sources: each .ts
// file is transpiled as it is required (no type check; jest's run checks the types), so the
// child needs neither a build nor a TypeScript runner.
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};

require('./authorizer-race.ts');
