/** lines with more appended, keeping the last `max`: a followed log does not grow the page without bound. */
export function appendLines(lines: readonly string[], more: readonly string[], max: number): string[] {
  const all = more.length === 0 ? lines.slice() : [...lines, ...more];
  return all.length > max ? all.slice(all.length - max) : all;
}
