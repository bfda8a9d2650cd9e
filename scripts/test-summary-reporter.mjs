// A node:test reporter that prints nothing for people: it counts the run's results and writes one
// JSON object to its destination when the run ends, for scripts/test.mjs to add up across its
// runs into the one summary line. It runs beside the usual reporter (see scripts/test.mjs).
// Counted as the runner's own "# tests" counts: every test and subtest, not suites; a file that
// fails outside any test counts as one failed test.
export default async function* summaryReporter(source) {
  let passed = 0;
  let failed = 0;
  const skipped = {};
  const skip = (reason) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { details, skip: skipReason, todo } = event.data;
    if (details?.type === 'suite') continue;
    if (skipReason !== undefined && skipReason !== false) skip(typeof skipReason === 'string' && skipReason !== '' ? skipReason : '(no reason given)');
    else if (todo !== undefined && todo !== false) skip('todo');
    else if (event.type === 'test:pass') passed++;
    else failed++;
  }
  yield `${JSON.stringify({ passed, failed, skipped })}\n`;
}
