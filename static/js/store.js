// A small cache of the workshop description (sites, zones, resources), which
// every screen needs to name things and to show times in the right zone.
// Screens that change the workshop call invalidate().

import { get } from './api.js';
import { DEFAULT_TZ } from './time.js';

let cache = {};

function once(key, load) {
  if (!cache[key]) {
    cache[key] = load().catch((e) => {
      delete cache[key];
      throw e;
    });
  }
  return cache[key];
}

export const sites = () => once('sites', () => get('/sites').then((r) => r.sites));
// Every site's zones in one request, so that it can go beside the sites'
// and the resources' instead of after them.
const allZones = () => once('zones', () => get('/zones').then((r) => r.zones));
export const zones = (siteId) => allZones().then((list) => list.filter((z) => z.site_id === siteId));
export const resources = () => once('resources', () => get('/resources').then((r) => r.resources));

/** prefetch asks for the whole description at once; a failure is the later read's to say. */
export function prefetch() {
  for (const load of [sites, allZones, resources]) load().catch(() => {});
}

/** invalidate forgets everything, so the next read fetches again. */
export function invalidate() {
  cache = {};
}

/** lookup answers maps by id, for naming resources and finding their site's zone. */
export async function lookup() {
  const [s, r] = await Promise.all([sites(), resources()]);
  const siteById = new Map(s.map((x) => [x.id, x]));
  const resourceById = new Map(r.map((x) => [x.id, x]));
  const tzOfResource = (id) => {
    const res = resourceById.get(id);
    const site = res && siteById.get(res.site_id);
    return (site && site.timezone) || DEFAULT_TZ;
  };
  return { siteById, resourceById, tzOfResource };
}
