/**
 * Target assignment of a topic's partitions to a group's members: balanced (counts differ by at most
 * one) and sticky (a partition stays with its current member unless balance needs it elsewhere).
 * Pure and deterministic: the same inputs always give the same assignment.
 */
export function assignPartitions(partitions: number, members: readonly string[], previous: ReadonlyMap<number, string>): Map<number, string> {
  const target = new Map<number, string>();
  if (members.length === 0) return target;
  const sorted = [...members].sort();
  const present = new Set(sorted);
  const held = new Map<string, number[]>(sorted.map((m) => [m, []]));
  for (let p = 0; p < partitions; p++) {
    const owner = previous.get(p);
    if (owner !== undefined && present.has(owner)) held.get(owner)!.push(p);
  }
  const base = Math.floor(partitions / sorted.length);
  let extra = partitions % sorted.length;
  // The members already holding the most get the extra slots: fewer partitions move.
  const byHeld = [...sorted].sort((a, b) => held.get(b)!.length - held.get(a)!.length || (a < b ? -1 : 1));
  const quota = new Map<string, number>();
  for (const member of byHeld) {
    const bonus = extra > 0 && held.get(member)!.length > base ? 1 : 0;
    extra -= bonus;
    quota.set(member, base + bonus);
  }
  // Extra slots left (nobody held more than base): give them in member order.
  for (const member of sorted) {
    if (extra === 0) break;
    if (quota.get(member) === base) {
      quota.set(member, base + 1);
      extra -= 1;
    }
  }
  const free: number[] = [];
  for (const member of sorted) {
    const mine = held.get(member)!;
    const keep = quota.get(member)!;
    mine.slice(0, keep).forEach((p) => target.set(p, member));
    free.push(...mine.slice(keep));
  }
  for (let p = 0; p < partitions; p++) if (!target.has(p) && !free.includes(p)) free.push(p);
  free.sort((a, b) => a - b);
  for (const member of sorted) {
    let count = held.get(member)!.length > quota.get(member)! ? quota.get(member)! : held.get(member)!.length;
    while (count < quota.get(member)! && free.length > 0) {
      target.set(free.shift()!, member);
      count += 1;
    }
  }
  return target;
}
