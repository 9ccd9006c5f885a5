import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

/** A port nothing listens on right now (for child processes that need one up front). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

export interface CliRun { readonly child: ChildProcess, readonly output: () => string, readonly exited: Promise<number | null> }

/** `bin/gatehouse.js` (the build: `npm run build` first) as a child process, output collected. */
export function runCli (args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['bin/gatehouse.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))
  return { child, output: () => output, exited }
}

/** Polls until `done` holds, the child exits (an error) or the deadline passes (an error). */
export async function waitForOutput (run: CliRun, done: (output: string) => boolean, deadlineMs = 15_000): Promise<string> {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (done(run.output())) return run.output()
    if (run.child.exitCode !== null) throw new Error(`gatehouse exited: ${run.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`gatehouse did not get there in time: ${run.output()}`)
}
