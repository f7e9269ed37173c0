mkdir allowed
cp keys/alice allowed/          # not alice_secret, and not mallory
curvezmq cert list allowed      # what the server will let in, and any file it would skip
