import { allOf, allowAddresses, certStore } from 'curvezmq';

// As zauth's ALLOW: the verified address first, then the key. Give it to a stream server.
export const addressThenKey = () => allOf(allowAddresses(['127.0.0.0/8', '10.0.0.0/8']), certStore('allowed'));
