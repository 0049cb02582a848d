/** Milliseconds now; processors with time windows take one so tests can drive time. */
export type Clock = () => number;
