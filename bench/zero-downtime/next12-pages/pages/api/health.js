// API routes of the pages router run per request: the commit is the running process's.
export default function handler(req, res) {
  res.setHeader('Cache-Control', 'no-store');
  res.status(200).json({ status: 'ok', commit: process.env.SYLVAN_COMMIT || null, version: '1.0.0' });
}
