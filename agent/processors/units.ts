/** What a unit measures; conversions only happen within one quantity. */
export type Quantity = 'temperature' | 'pressure' | 'speed' | 'length';

/**
 * A unit as a fraction of its quantity's base unit (pascal, metres per second, metre): `base / per`.
 * Fractions of integers keep common conversions exact: knots -> km/h is x * (1852 * 3600) / (3600 * 1000).
 */
interface LinearUnit {
  quantity: Exclude<Quantity, 'temperature'>;
  base: number;
  per: number;
}

const LINEAR = {
  pa: { quantity: 'pressure', base: 1, per: 1 },
  hpa: { quantity: 'pressure', base: 100, per: 1 },
  kpa: { quantity: 'pressure', base: 1000, per: 1 },
  bar: { quantity: 'pressure', base: 100_000, per: 1 },
  psi: { quantity: 'pressure', base: 6894.757293168361, per: 1 }, // 1 lbf/in²
  inhg: { quantity: 'pressure', base: 3386.389, per: 1 }, // inch of mercury at 0 °C
  m_s: { quantity: 'speed', base: 1, per: 1 },
  km_h: { quantity: 'speed', base: 1000, per: 3600 },
  knots: { quantity: 'speed', base: 1852, per: 3600 },
  mph: { quantity: 'speed', base: 1609.344, per: 3600 },
  m: { quantity: 'length', base: 1, per: 1 },
  km: { quantity: 'length', base: 1000, per: 1 },
  ft: { quantity: 'length', base: 0.3048, per: 1 },
  mi: { quantity: 'length', base: 1609.344, per: 1 },
} satisfies Record<string, LinearUnit>;

type TemperatureUnit = 'celsius' | 'fahrenheit' | 'kelvin';

/** Temperature scales are affine: a direct formula per pair, so 212 °F is exactly 100 °C. */
const TEMPERATURE: Record<`${TemperatureUnit}>${TemperatureUnit}`, (x: number) => number> = {
  'celsius>celsius': (x) => x,
  'celsius>fahrenheit': (x) => (x * 9) / 5 + 32,
  'celsius>kelvin': (x) => x + 273.15,
  'fahrenheit>celsius': (x) => ((x - 32) * 5) / 9,
  'fahrenheit>fahrenheit': (x) => x,
  'fahrenheit>kelvin': (x) => ((x - 32) * 5) / 9 + 273.15,
  'kelvin>celsius': (x) => x - 273.15,
  'kelvin>fahrenheit': (x) => ((x - 273.15) * 9) / 5 + 32,
  'kelvin>kelvin': (x) => x,
};

export type UnitName = keyof typeof LINEAR | TemperatureUnit;

/** Every unit `unit` converts, by its config name. */
export const UNIT_NAMES: readonly UnitName[] = ['celsius', 'fahrenheit', 'kelvin', ...(Object.keys(LINEAR) as (keyof typeof LINEAR)[])];

/** What `unit` measures. */
export function quantityOf(unit: UnitName): Quantity {
  return isTemperature(unit) ? 'temperature' : LINEAR[unit].quantity;
}

/** A converter from one unit to another, or a message saying why there is none. */
export function converter(from: UnitName, to: UnitName): ((x: number) => number) | string {
  const quantity = quantityOf(from);
  if (quantity !== quantityOf(to)) {
    const choices = UNIT_NAMES.filter((name) => quantityOf(name) === quantity).join(', ');
    return `cannot convert ${from} (${quantity}) to ${to} (${quantityOf(to)}); ${from} converts to ${choices}`;
  }
  if (isTemperature(from) && isTemperature(to)) return TEMPERATURE[`${from}>${to}`];
  if (from === to) return (x) => x;
  const source = LINEAR[from as keyof typeof LINEAR];
  const target = LINEAR[to as keyof typeof LINEAR];
  const numerator = source.base * target.per;
  const denominator = source.per * target.base;
  return (x) => (x * numerator) / denominator;
}

function isTemperature(unit: UnitName): unit is TemperatureUnit {
  return unit === 'celsius' || unit === 'fahrenheit' || unit === 'kelvin';
}
