export async function runQuickstart (_options: { dir: string, port: number }): Promise<() => Promise<void>> {
  throw new Error('quickstart: not yet')
}
