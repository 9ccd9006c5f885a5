/** A reason not to start, for the operator: printed without a stack trace. */
export class GatehouseStartError extends Error {}
