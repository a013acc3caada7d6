set terminal pngcairo size 900,560 font 'sans,10'
set output 'dirty-per-round.png'
set grid
set key top left
set offsets graph 0.03, graph 0.03, 0, 0
set title 'Pages sent per round, pre-copy/tcp (memdirty random; the last point is the frozen round)'
set logscale y
set xlabel 'round'
set ylabel 'pages (4 KiB)'
set xtics 1
set key top right
plot 'rounds-256.dat' using 1:2 with linespoints title '256 MiB', 'rounds-1024.dat' using 1:2 with linespoints title '1024 MiB', 'rounds-2048.dat' using 1:2 with linespoints title '2048 MiB'
