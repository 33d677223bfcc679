/**
 * The shape every command has: its options (one table that feeds both `node:util` `parseArgs` and
 * the `--help` text, so they cannot drift apart), its help, and `run`. `defineCommand` keeps each
 * command's parsed values fully typed while the registry in main.ts treats them alike.
 * @module
 */
import { parseArgs } from 'node:util'
import type { Palette } from '../format/color.js'
import type { StdinReader } from '../io/input.js'
import { describeError, failureJSON, UsageError } from './errors.js'

export interface OptionSpec {
  type: 'string' | 'boolean'
  multiple?: boolean
  short?: string
  /** Placeholder shown in the help, e.g. `FILE`. */
  value?: string
  description: string
}

export type OptionTable = Record<string, OptionSpec>

export interface Output {
  readonly color: Palette
  write(text: string): void
}

export interface Context {
  readonly stdout: Output
  readonly stderr: Output
  readonly stdin: StdinReader
  readonly env: NodeJS.ProcessEnv
  /** Seconds since the epoch. */
  now(): number
}

type Parsed<O extends OptionTable> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>

export interface CommandDefinition<O extends OptionTable> {
  name: string
  summary: string
  /** `jotjwt <name> <usage>` */
  usage: string
  description: string
  options: O
  examples: string[]
  /** Most positionals accepted (Infinity for lists). */
  maxPositionals: number
  /**
   * The command's `--json` output is a verdict (`"valid"`): with `--json`, every failure after the
   * command line is parsed is printed on stdout as {@link failureJSON} as well, not only a rejected
   * token, so a script always has an object to read. The line on stderr and the exit code stay.
   */
  jsonVerdict?: boolean
  run(args: Parsed<O>, context: Context): Promise<number>
}

export interface Command {
  readonly name: string
  readonly summary: string
  help(): string
  execute(argv: string[], context: Context): Promise<number>
}

/** Options every command takes. */
const COMMON = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  debug: { type: 'boolean', description: 'print stack traces on errors' },
} satisfies OptionTable

function formatOptions(options: OptionTable): string {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`
    return [flag, spec.description + (spec.multiple ? ' (repeatable)' : '')] as const
  })
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`).join('\n')
}

export function defineCommand<const O extends OptionTable>(definition: CommandDefinition<O>): Command {
  const options = { ...definition.options, ...COMMON }
  const help = () =>
    [
      `Usage: jotjwt ${definition.name} ${definition.usage}`,
      '',
      definition.description,
      '',
      'Options:',
      formatOptions(options),
      '',
      'Examples:',
      ...definition.examples.map((example) => `  ${example}`),
      '',
    ].join('\n')
  return {
    name: definition.name,
    summary: definition.summary,
    help,
    async execute(argv, context) {
      let parsed: Parsed<O & typeof COMMON>
      try {
        parsed = parseArgs({ args: argv, options: options as O & typeof COMMON, allowPositionals: true, strict: true })
      } catch (error) {
        // parseArgs explains unknown options and missing values well; keep its words.
        throw new UsageError(error instanceof Error ? error.message : String(error))
      }
      const values = parsed.values as { help?: boolean; json?: boolean }
      if (values.help) {
        context.stdout.write(help())
        return 0
      }
      try {
        if (parsed.positionals.length > definition.maxPositionals) {
          throw new UsageError(`unexpected argument "${parsed.positionals[definition.maxPositionals]}"`)
        }
        return await definition.run(parsed as unknown as Parsed<O>, context)
      } catch (error) {
        if (definition.jsonVerdict && values.json) context.stdout.write(failureJSON(describeError(error)))
        throw error
      }
    },
  }
}
