/** `pulseboard/nats`: the bus over NATS, for health and board events across hosts. */
export { connectNatsBus } from '../adapters/bus/nats.js';
export type { NatsBusOptions } from '../adapters/bus/nats.js';
