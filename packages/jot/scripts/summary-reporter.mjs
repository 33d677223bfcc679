// node:test reporter that prints one summary line: how many tests passed, failed and were skipped.
// Used next to the dot reporter so every run states its counts. It also repeats what a dot cannot
// say: each skipped test with its reason (a skip must never pass unnoticed) and the tests' own
// diagnostics (t.diagnostic), such as how many vectors ran in the browser.
const RUNNER_TOTALS = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+$/

export default async function* summary(source) {
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0 }
  const notes = []
  for await (const event of source) {
    if (event.type === 'test:pass' && event.data.details?.type !== 'suite') {
      if (event.data.skip) {
        counts.skip++
        notes.push(`# skipped: ${event.data.name}: ${event.data.skip === true ? '(no reason given)' : event.data.skip}`)
      } else if (event.data.todo) counts.todo++
      else counts.pass++
    } else if (event.type === 'test:fail' && event.data.details?.type !== 'suite') {
      counts.fail++
    } else if (event.type === 'test:diagnostic' && !RUNNER_TOTALS.test(event.data.message)) {
      notes.push(`# ${event.data.message}`)
    }
  }
  yield `\n${notes.map((note) => `${note}\n`).join('')}# ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped, ${counts.todo} todo\n`
}
