// RingCentral's offset paging envelope (api-notes §2.3): paging {page, perPage, pageStart, pageEnd,
// totalPages?, totalElements?} and navigation {firstPage, nextPage?, previousPage?, lastPage?} with
// absolute URIs. page/pageStart/pageEnd are omitted for empty pages; totals may be omitted.

export interface PagingJson {
  page?: number;
  perPage: number;
  pageStart?: number;
  pageEnd?: number;
  totalPages?: number;
  totalElements?: number;
}

export interface NavigationJson {
  firstPage: { uri: string };
  nextPage?: { uri: string };
  previousPage?: { uri: string };
  lastPage?: { uri: string };
}

export interface PageFacts {
  /** The request URL (absolute); navigation URIs keep its other parameters as sent. */
  url: URL;
  page: number;
  perPage: number;
  /** Records on this page. */
  count: number;
  /** Total matches, when computed. */
  total?: number;
  hasMore: boolean;
}

/** The request URL with page and perPage set (other parameters kept as sent). */
export function pageUri(url: URL, page: number, perPage: number): string {
  const u = new URL(url);
  u.searchParams.set('page', String(page));
  u.searchParams.set('perPage', String(perPage));
  return u.toString();
}

/** uri, paging and navigation for one page of results. */
export function pageEnvelope(f: PageFacts): { uri: string; paging: PagingJson; navigation: NavigationJson } {
  const paging: PagingJson = { perPage: f.perPage };
  if (f.count > 0) {
    const start = (f.page - 1) * f.perPage;
    Object.assign(paging, { page: f.page, perPage: f.perPage, pageStart: start, pageEnd: start + f.count - 1 });
  }
  const navigation: NavigationJson = { firstPage: { uri: pageUri(f.url, 1, f.perPage) } };
  if (f.hasMore) navigation.nextPage = { uri: pageUri(f.url, f.page + 1, f.perPage) };
  if (f.page > 1) navigation.previousPage = { uri: pageUri(f.url, f.page - 1, f.perPage) };
  if (f.total !== undefined) {
    const totalPages = Math.ceil(f.total / f.perPage);
    paging.totalPages = totalPages;
    paging.totalElements = f.total;
    navigation.lastPage = { uri: pageUri(f.url, Math.max(1, totalPages), f.perPage) };
  }
  return { uri: pageUri(f.url, f.page, f.perPage), paging, navigation };
}
