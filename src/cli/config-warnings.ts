import type { Config } from '../model/config.js'
import { LOG_LEVELS } from './load-config.js'
import { unusedConfFields, type IgnoredField } from './unused-conf-fields.js'

/**
 * What the operator should hear about the loaded config, one line each, logged once at start:
 * Tyk fields that change nothing here, fields nobody reads (typos?), an invalid TYK_LOGLEVEL.
 */
export function configWarnings (config: Config, env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = []
  const { ignored, unknown } = unusedConfFields(config)
  if (ignored.length > 0) warnings.push(`tyk.conf: Tyk fields that Gatehouse recognises but does not act on: ${byReason(ignored)}`)
  if (unknown.length > 0) warnings.push(`tyk.conf: fields that neither Tyk nor Gatehouse knows (typos?), ignored: ${unknown.join(', ')}`)
  const envLevel = env.TYK_LOGLEVEL ?? ''
  // Tyk ignores an invalid TYK_LOGLEVEL in silence and logs at info (log/log.go); we say so.
  if (envLevel !== '' && !LOG_LEVELS.includes(envLevel.toLowerCase())) {
    warnings.push(`TYK_LOGLEVEL ${JSON.stringify(envLevel)} is not one of ${LOG_LEVELS.join(', ')}: logging at info`)
  }
  return warnings
}

/** "a, b, c, d (why), e, f (why)": the fields without a reason first, then one group per reason. */
function byReason (fields: readonly IgnoredField[]): string {
  const groups = new Map<string, string[]>()
  for (const { name, reason = '' } of fields) {
    const group = groups.get(reason)
    if (group === undefined) groups.set(reason, [name])
    else group.push(name)
  }
  const plain = groups.get('') ?? []
  groups.delete('')
  return [...plain, ...[...groups].map(([reason, names]) => `${names.join(', ')} (${reason})`)].join(', ')
}
