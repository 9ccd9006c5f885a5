import { Command } from 'commander'
import { loadConfig, ConfigError } from './load-config.js'
import { startGatehouse, VERSION } from '../main.js'
import { GatehouseStartError } from '../start-error.js'
import { runQuickstart } from './quickstart.js'
import { configWarnings } from './config-warnings.js'

const program = new Command()
  .name('gatehouse')
  .description('API gateway and API-key manager that speaks the Tyk Gateway management API')
  .version(VERSION)

program.command('start')
  .description('start the gateway from a Tyk tyk.conf')
  .option('-c, --conf <path>', 'tyk.conf (JSON); TYK_GW_* environment variables override it')
  .option('--dev', 'development run: allow an empty or Tyk\'s sample secret', false)
  .action(async (options: { conf?: string, dev: boolean }) => {
    const config = loadConfig(options.conf === undefined ? {} : { path: options.conf })
    const starting = startGatehouse(config, { dev: options.dev, warnings: configWarnings(config, process.env) }).then((running) => running.close)
    stopOnSignals(starting)
    await starting
  })

program.command('quickstart')
  .description('start a ready-to-try gateway: sample upstream, API, policy and key, embedded store')
  .option('-d, --dir <path>', 'where data, config and sample files live', './data')
  .option('-p, --port <port>', 'gateway port', '8080')
  .action(async (options: { dir: string, port: string }) => {
    const starting = runQuickstart({ dir: options.dir, port: Number(options.port) })
    stopOnSignals(starting)
    await starting
  })

/**
 * Installed before the start resolves: the quickstart prints its welcome (and a test or a script
 * may signal) before the start hands back its close function. A signal during the start stops
 * once it is done; a start that fails is reported by the caller, not here. The first SIGINT or
 * SIGTERM drains and stops; a second one stops at once (Node's default).
 */
function stopOnSignals (starting: Promise<(reason: string) => Promise<void>>): void {
  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    starting.then(async (close) => { await close(signal) }).then(() => process.exit(0), (err: unknown) => {
      console.error(err)
      process.exit(1)
    })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof ConfigError || err instanceof GatehouseStartError) {
    console.error(`gatehouse: ${err.message}`)
    process.exit(1)
  }
  throw err
}
