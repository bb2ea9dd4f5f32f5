/** The deterministic simulator: virtual clock, event queue, seeded random source, virtual-time tasks. */
export { Prng } from './prng.js';
export { Simulator, type TimerHandle } from './simulator.js';
export { VirtualTasks } from './virtual-tasks.js';
