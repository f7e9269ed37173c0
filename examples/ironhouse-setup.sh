curvezmq keygen server --dir keys --meta name=Server
curvezmq keygen alice  --dir keys --meta name=Alice
curvezmq keygen mallory --dir keys --meta name=Mallory   # our stranger
