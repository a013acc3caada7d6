set terminal pngcairo size 900,560 font 'sans,10'
set output 'client-latency.png'
set grid
set key top left
set offsets graph 0.03, graph 0.03, 0, 0
set title 'Client latency across the migration (one request per ms; dashed: the freeze)'
set logscale y
set xlabel 's since lmig precopy started'
set ylabel 'latency (ms)'
set arrow 1 from 12.063, graph 0 to 12.063, graph 1 nohead dt 2 lc 1
set arrow 2 from 18.507, graph 0 to 18.507, graph 1 nohead dt 2 lc 2
set arrow 3 from 0.054, graph 0 to 0.054, graph 1 nohead dt 2 lc 3
plot 'timeline-redis-pre-copy+lz4-tcp.dat' using 1:2 with points pt 7 ps 0.3 title 'redis, pre-copy+lz4/tcp', 'timeline-redis-pre-copy-tcp.dat' using 1:2 with points pt 7 ps 0.3 title 'redis, pre-copy/tcp', 'timeline-redis-stop-and-copy-tcp.dat' using 1:2 with points pt 7 ps 0.3 title 'redis, stop-and-copy/tcp'
