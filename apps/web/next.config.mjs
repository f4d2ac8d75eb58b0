// The same-origin proxy to the API (/graphql, /api/*, /dicom-web/*) lives in route handlers
// (lib/proxy.ts), not in `rewrites`: Next.js computes rewrites at build time into
// .next/routes-manifest.json, so `next start` would ignore an API_URL given at run time
// (one build must serve any API, e.g. the e2e test's harness on a random port).
//
// Built with webpack (`next build --webpack`): Turbopack 16.4 stalls without an error on the
// Cornerstone3D dicom-image-loader (its decode worker and wasm codecs). The codecs' Emscripten
// glue names Node's `fs` and `path` for its Node branch, which the browser never takes.
/** @type {import('next').NextConfig} */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  webpack: (webpackConfig, { isServer }) => {
    if (!isServer) webpackConfig.resolve.fallback = { ...webpackConfig.resolve.fallback, fs: false, path: false };
    return webpackConfig;
  },
};
export default config;
