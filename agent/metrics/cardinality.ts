// Caps the number of label sets a metric may have. The first `max` distinct sets are admitted for
// the life of the process; later ones are refused and the caller records them under `other`. The
// admitted set only grows, so a label set admitted (or refused) at a call's start is still admitted
// (or refused) at its end, and an in-flight gauge always returns to zero.
export class CardinalityGuard {
  private readonly admitted = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly onRefused: () => void,
  ) {}

  admit(seriesKey: string): boolean {
    if (this.admitted.has(seriesKey)) return true;
    if (this.admitted.size >= this.max) {
      this.onRefused();
      return false;
    }
    this.admitted.add(seriesKey);
    return true;
  }
}
