/** What outlier detection reads and writes on a key. */
export interface TroubleTracked {
  /** Provider-trouble answers in a row (one burst of requests already in flight counts once). */
  troubleStreak: number;
  /** The pool's success count when the streak began: a success since then came from another key. */
  troubleMark: number;
  /** The key's request count when its last trouble was counted; answers to requests sent up to it are the same event. */
  troubleThrough: number;
  /** Its breaker is open (or half-open) for provider trouble: an ejection. */
  ejected: boolean;
  readonly requests: number;
}

/**
 * Outlier detection, after Envoy's: a key whose answers are provider trouble `threshold` times in
 * a row while other keys of the pool succeed over the same time is sick, and is ejected (its
 * breaker opens). When most keys are failing together it is an outage and nothing is ejected;
 * at most half of the keys are ever ejected for provider trouble. Every step is O(1): "other keys
 * succeeded since the streak began" is a comparison of the pool's success count with the count
 * when it began (the key's own success would have ended its streak).
 */
export class OutlierDetector {
  /** The pool's success count (written by the pool on every success; an attempt notes it when sent). */
  successes = 0;
  /** Keys with a streak of at least one. */
  #troubled = 0;
  #ejected = 0;

  constructor(private readonly threshold: number) {}

  get ejectedCount(): number {
    return this.#ejected;
  }

  /** A success on a key with a streak (the pool counts `successes` itself, inline): its streak ends. */
  succeeded(key: TroubleTracked): void {
    if (key.troubleStreak !== 0) {
      key.troubleStreak = 0;
      this.#troubled--;
    }
  }

  /**
   * Provider trouble on `key` from the request with sequence `sequence`, sent when the pool's
   * success count was `sentMark`, in a pool of `size` keys. Returns true when the key should be
   * ejected now.
   */
  troubled(key: TroubleTracked, sequence: number, sentMark: number, size: number): boolean {
    if (sequence <= key.troubleThrough) return false;
    key.troubleThrough = key.requests;
    if (key.troubleStreak++ === 0) {
      key.troubleMark = sentMark;
      this.#troubled++;
    }
    if (key.ejected || key.troubleStreak < this.threshold) return false;
    const othersSucceeded = this.successes > key.troubleMark;
    const outage = this.#troubled * 2 > size;
    const room = (this.#ejected + 1) * 2 <= size;
    return othersSucceeded && !outage && room;
  }

  /** Whether a half-open trial that met provider trouble again shows the key still sick (not an outage). */
  stillSick(key: TroubleTracked, size: number): boolean {
    return key.ejected && this.successes > key.troubleMark && this.#troubled * 2 <= size;
  }

  eject(key: TroubleTracked): void {
    if (key.ejected) return;
    key.ejected = true;
    this.#ejected++;
  }

  /** The key's breaker closed, it was enabled, or it left the pool. */
  reinstate(key: TroubleTracked): void {
    if (!key.ejected) return;
    key.ejected = false;
    this.#ejected--;
  }

  /** A key leaves the pool: its streak no longer counts. */
  forget(key: TroubleTracked): void {
    this.reinstate(key);
    if (key.troubleStreak !== 0) {
      key.troubleStreak = 0;
      this.#troubled--;
    }
  }
}
