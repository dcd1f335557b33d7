import type { KeyPool } from '@keymesh/core';
import { healthReport } from '@keymesh/core';
import type { HealthHandler } from './types.js';

/**
 * Serves `healthReport(pools)`: 200 while every pool can serve, else 503, so a load balancer or
 * Kubernetes probe can act on the status alone. `mesh.health` is this over the mesh's pools; use
 * it directly to report the pools of several meshes on one route.
 */
export function healthHandler(pools: Readonly<Record<string, KeyPool>>): HealthHandler {
  return (_req, res) => {
    const report = healthReport(pools);
    res.statusCode = report.status === 'up' ? 200 : 503;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    // A cached "up" from a proxy would hide a pool that just ran dry.
    res.setHeader('cache-control', 'no-store');
    res.end(JSON.stringify(report));
  };
}
