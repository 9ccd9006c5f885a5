import { spawn, type ChildProcess } from 'node:child_process'

/** bin/gatehouse.js in a child process (it runs dist/: `npm run build` first). */
export interface CliRun {
  readonly child: ChildProcess
  /** stdout and stderr as they came */
  output: () => string
  stderr: () => string
  stdout: () => string
  readonly exited: Promise<number | null>
}

export function runCli (args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['bin/gatehouse.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); stdout += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); stderr += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))
  return { child, output: () => output, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Polls `${url}/hello` until it answers 200; fails early when the process exits. */
export async function waitForHello (url: string, run: CliRun, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (run.child.exitCode !== null) throw new Error(`gatehouse exited: ${run.output()}`)
    try {
      if ((await fetch(`${url}/hello`)).status === 200) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`gatehouse did not answer /hello in time: ${run.output()}`)
}

/** Polls the process's output until `pattern` shows up. */
export async function waitForOutput (run: CliRun, pattern: RegExp, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs
  while (!pattern.test(run.output())) {
    if (Date.now() > until) throw new Error(`no ${String(pattern)} in the output in time: ${run.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
