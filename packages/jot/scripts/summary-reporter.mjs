// node:test reporter that prints one summary line: how many tests passed, failed and were skipped.
// Used next to the dot reporter so every run states its counts.
export default async function* summary(source) {
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0 }
  for await (const event of source) {
    if (event.type === 'test:pass' && event.data.details?.type !== 'suite') {
      if (event.data.skip) counts.skip++
      else if (event.data.todo) counts.todo++
      else counts.pass++
    } else if (event.type === 'test:fail' && event.data.details?.type !== 'suite') {
      counts.fail++
    }
  }
  yield `\n# ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped, ${counts.todo} todo\n`
}
