// Next 12 has no deploymentId (skew protection came in Next 13.4+/14); nothing to set.
/** @type {import('next').NextConfig} */
module.exports = { reactStrictMode: true, poweredByHeader: false };
