import pino, { type Logger } from 'pino'

export interface LogLine {
  readonly level: number
  readonly msg: string
}

export const WARN = 40
export const ERROR = 50

/** A pino logger writing to memory, so a test can read what was logged. */
export function capturedLogger (): { logger: Logger, lines: () => LogLine[] } {
  const lines: string[] = []
  const logger = pino({ level: 'info' }, { write: (chunk: string) => { lines.push(chunk) } })
  return { logger, lines: () => lines.map((line) => JSON.parse(line) as LogLine) }
}
