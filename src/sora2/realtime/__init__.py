"""Live updates over Socket.IO: the gateway between the event bus and users' sockets.

- `gateway`: the Socket.IO server's handlers (auth on connect, a room per user, status requests);
- `relay`: the one consumer of the event bus, emitting each event to its user's room, in order;
- `managers`: where emits go: in-process, or through Redis to every process;
- `origins`: which browser origins may connect;
- `asgi`: routes `/socket.io/` to the Socket.IO server, the rest to the API.
"""
