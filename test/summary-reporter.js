/**
 * Prints one plain closing line after jest's own summary, `tests: N passed, N failed` (with
 * `, N skipped` when some were), a form CI tools read in any language.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed` + (skipped > 0 ? `, ${skipped} skipped` : '');
    process.stdout.write(`${line}\n`);
  }
}

module.exports = SummaryReporter;
