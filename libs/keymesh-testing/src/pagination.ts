/** The two pagination styles the SDKs walk: id cursors (openai, anthropic) and page tokens (gemini). */

export interface CursorQuery {
  /** Return items after this id. */
  readonly after?: string | undefined;
  /** Return items before this id (anthropic's reverse paging). */
  readonly before?: string | undefined;
  readonly limit: number;
}

export interface CursorResult<T> {
  readonly items: readonly T[];
  /** More items exist beyond this page in the paging direction. */
  readonly hasMore: boolean;
}

/** Pages by item id; an unknown cursor yields an empty last page, so iteration always ends. */
export function cursorPage<T>(all: readonly T[], idOf: (item: T) => string, query: CursorQuery): CursorResult<T> {
  if (query.before !== undefined) {
    const end = all.findIndex((item) => idOf(item) === query.before);
    if (end < 0) return { items: [], hasMore: false };
    const start = Math.max(0, end - query.limit);
    return { items: all.slice(start, end), hasMore: start > 0 };
  }
  let start = 0;
  if (query.after !== undefined) {
    const index = all.findIndex((item) => idOf(item) === query.after);
    if (index < 0) return { items: [], hasMore: false };
    start = index + 1;
  }
  const items = all.slice(start, start + query.limit);
  return { items, hasMore: start + query.limit < all.length };
}

export interface TokenResult<T> {
  readonly items: readonly T[];
  /** Absent on the last page: genai's Pager keeps fetching while a token is present, even ''. */
  readonly nextPageToken?: string;
}

/** Pages by opaque token (an encoded offset); a token the fake did not issue yields an empty last page. */
export function tokenPage<T>(all: readonly T[], pageToken: string | null, pageSize: number): TokenResult<T> {
  const offset = decodeToken(pageToken) ?? all.length;
  const items = all.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < all.length ? { items, nextPageToken: encodeToken(next) } : { items };
}

function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeToken(token: string | null): number | undefined {
  if (!token) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  return match ? Number(match[1]) : undefined;
}
