export { PrometheusScrapeReader, prometheusMeters } from './prometheus-scrape.js';
