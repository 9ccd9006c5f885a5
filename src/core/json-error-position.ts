/**
 * Where in `text` JSON.parse stopped, as "line L column C" (1-based), from the offset V8 puts
 * in its message ("... at position 14"); an unexpected end is the end of the text. Undefined
 * when the message gives no place (V8 then quotes the text around the fault instead).
 */
export function jsonErrorPosition (text: string, err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : ''
  const match = /at position (\d+)/.exec(message)
  const offset = match !== null ? Number(match[1]) : message.includes('Unexpected end of JSON input') ? text.length : undefined
  if (offset === undefined) return undefined
  const before = text.slice(0, offset)
  const lineStart = before.lastIndexOf('\n') + 1
  return `line ${before.split('\n').length} column ${offset - lineStart + 1}`
}
