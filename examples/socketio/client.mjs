// Connects to the example server and says which worker serves it after every (re)connect.
import { io } from 'socket.io-client';

const socket = io(process.argv[2] ?? 'http://127.0.0.1:3000', { transports: ['websocket'] });
socket.on('hello', ({ pid, generation }) => console.log(`connected to pid ${pid}, generation ${generation}`));
socket.on('disconnect', (reason) => console.log(`disconnected: ${reason}`));
