/** Why a topic filter is invalid, or undefined when it is valid (MQTT 3.1.1 §4.7). */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'a topic filter cannot be empty';
  if (filter.includes('\u0000')) return 'a topic filter cannot contain a NUL character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `'#' must be a whole level and the last one (e.g. sensors/#), got ${JSON.stringify(filter)}`;
    }
    if (level.includes('+') && level !== '+') {
      return `'+' must be a whole level (e.g. sensors/+/climate), got ${JSON.stringify(filter)}`;
    }
  }
  return undefined;
}

/**
 * Why `level` (0-based) cannot supply a key for messages matching `filter`, or undefined.
 * A level after a `#` may or may not exist, so it is accepted; a level past the end is not.
 */
export function keyLevelProblem(filter: string, level: number): string | undefined {
  const levels = filter.split('/');
  if (levels.includes('#')) return undefined;
  if (level >= levels.length) {
    return `topic filter ${JSON.stringify(filter)} has ${levels.length} level(s) (0..${levels.length - 1}), so level ${level} never exists`;
  }
  return undefined;
}

/** The `level`-th (0-based) level of a topic, or undefined when the topic is shorter or the level is empty. */
export function topicLevel(topic: string, level: number): string | undefined {
  let start = 0;
  for (let i = 0; i < level; i++) {
    const slash = topic.indexOf('/', start);
    if (slash < 0) return undefined;
    start = slash + 1;
  }
  const end = topic.indexOf('/', start);
  const value = end < 0 ? topic.slice(start) : topic.slice(start, end);
  return value === '' ? undefined : value;
}
