/**
 * Readable default run names ("bold-heron-42"), as MLflow gives runs created without a name, so that
 * runs tables and plots are easy to talk about.
 */
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'dusty', 'eager', 'fleet', 'gentle', 'glossy',
  'grand', 'hazy', 'keen', 'lively', 'lucid', 'mellow', 'misty', 'noble', 'quiet', 'rapid', 'rustic', 'sandy',
  'sharp', 'silent', 'sleek', 'snowy', 'stormy', 'sunny', 'swift', 'tidal', 'vivid', 'wild', 'windy', 'zesty',
];
const NOUNS = [
  'atoll', 'basin', 'bay', 'canyon', 'cape', 'delta', 'dune', 'estuary', 'fjord', 'glacier', 'grove', 'heron',
  'isthmus', 'lagoon', 'marsh', 'mesa', 'moraine', 'oasis', 'orchard', 'plateau', 'prairie', 'reef', 'ridge',
  'savanna', 'shoal', 'steppe', 'summit', 'taiga', 'tundra', 'valley', 'wetland', 'meadow', 'crater', 'island',
];

/** A random `adjective-noun-number` run name. */
export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
