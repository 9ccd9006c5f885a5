import type { Bus, ChangeEvent } from '../ports.js'

/** The single-node Bus: listeners run synchronously, before publish resolves. */
export class LocalBus implements Bus {
  private readonly listeners: Array<(event: ChangeEvent) => void> = []

  async publish (event: ChangeEvent): Promise<void> {
    for (const listener of this.listeners) listener(event)
  }

  subscribe (listener: (event: ChangeEvent) => void): void {
    this.listeners.push(listener)
  }
}
