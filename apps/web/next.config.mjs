// The same-origin proxy to the API (/graphql, /api/*, /dicom-web/*) lives in route handlers
// (lib/proxy.ts), not in `rewrites`: Next.js computes rewrites at build time into
// .next/routes-manifest.json, so `next start` would ignore an API_URL given at run time
// (one build must serve any API, e.g. the e2e test's harness on a random port).
/** @type {import('next').NextConfig} */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
};
export default config;
