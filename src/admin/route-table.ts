/**
 * Which paths the management API serves, whatever the method. Tyk answers 405 (not 404) when a
 * path matches a route but not its method; fastify only knows 404, so we keep the patterns.
 */
export class RouteTable {
  private readonly patterns: RegExp[] = []

  add (url: string): void {
    const source = url.split('/').map((part) => part.startsWith(':') ? '[^/]+' : escapeRegExp(part)).join('/')
    this.patterns.push(new RegExp(`^${source}$`))
  }

  matches (path: string): boolean {
    return this.patterns.some((pattern) => pattern.test(path))
  }
}

function escapeRegExp (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
