// Service worker of the phone apps, registered with scope /m/. It keeps the
// app shell (m.html and the hashed /assets/ files it references, plus the
// manifest and icons) so that the grid-worker app opens without network.
// It never touches /api/: reports made offline wait in the app's IndexedDB
// outbox, not here.
const CACHE = 'tongxin-m-shell-v1'
const SHELL = '/m/'
const STATIC = ['/m-manifest.webmanifest', '/m-icon.svg', '/m-icon-192.png', '/m-icon-512.png']

function assetsOf(html) {
  return [...new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]))]
}

// Stores a fresh m.html and what it needs, and drops assets of older builds.
async function keepShell(res) {
  const cache = await caches.open(CACHE)
  const assets = assetsOf(await res.clone().text())
  for (const url of [...assets, ...STATIC]) {
    if (!(await cache.match(url))) {
      try {
        const r = await fetch(url, { credentials: 'same-origin' })
        if (r.ok) await cache.put(url, r)
      } catch {
        // offline again: the next navigation completes the cache
      }
    }
  }
  await cache.put(SHELL, res)
  const keep = new Set(assets.map((a) => new URL(a, self.location.origin).href))
  for (const req of await cache.keys()) {
    if (new URL(req.url).pathname.startsWith('/assets/') && !keep.has(req.url)) await cache.delete(req)
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    fetch(SHELL, { cache: 'no-cache', credentials: 'same-origin' })
      .then((res) => (res.ok ? keepShell(res) : undefined))
      .catch(() => undefined)
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('tongxin-m-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (event) => {
  const req = event.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return

  // Pages: the network first (a new build is picked up at once), the kept shell offline.
  if (req.mode === 'navigate' && (url.pathname === '/m' || url.pathname.startsWith('/m/'))) {
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) event.waitUntil(keepShell(res.clone()))
          return res
        })
        .catch(async () => (await caches.match(SHELL)) || Response.error()),
    )
    return
  }

  // Hashed assets never change; icons and the manifest rarely do.
  if (url.pathname.startsWith('/assets/') || STATIC.includes(url.pathname)) {
    event.respondWith(caches.match(req).then((hit) => hit || fetch(req)))
  }
})
