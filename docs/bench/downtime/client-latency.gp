set terminal pngcairo size 900,560 font 'sans,10'
set output 'client-latency.png'
set grid
set key top left
set offsets graph 0.03, graph 0.03, 0, 0
set title 'Client latency across the migration (one request per ms; dashed: the freeze)'
set logscale y
set xlabel 's since lmig precopy started'
set ylabel 'latency (ms)'
set arrow 1 from 3.675, graph 0 to 3.675, graph 1 nohead dt 2 lc 1
set arrow 2 from 7.683, graph 0 to 7.683, graph 1 nohead dt 2 lc 2
set arrow 3 from 5.598, graph 0 to 5.598, graph 1 nohead dt 2 lc 3
set arrow 4 from 0.031, graph 0 to 0.031, graph 1 nohead dt 2 lc 4
set arrow 5 from 0.739, graph 0 to 0.739, graph 1 nohead dt 2 lc 5
set arrow 6 from 1.437, graph 0 to 1.437, graph 1 nohead dt 2 lc 6
set arrow 7 from 1.498, graph 0 to 1.498, graph 1 nohead dt 2 lc 7
set arrow 8 from 0.033, graph 0 to 0.033, graph 1 nohead dt 2 lc 8
plot 'timeline-java-pre-copy+lz4-tcp.dat' using 1:2 with points pt 7 ps 0.3 title 'java, pre-copy+lz4/tcp', 'timeline-java-pre-copy-tcp.dat' using 1:2 with points pt 7 ps 0.3 title 'java, pre-copy/tcp', 'timeline-java-pre-copy-uring.dat' using 1:2 with points pt 7 ps 0.3 title 'java, pre-copy/uring', 'timeline-java-stop-and-copy-tcp.dat' using 1:2 with points pt 7 ps 0.3 title 'java, stop-and-copy/tcp', 'timeline-redis-pre-copy+lz4-tcp.dat' using 1:2 with points pt 7 ps 0.3 title 'redis, pre-copy+lz4/tcp', 'timeline-redis-pre-copy-tcp.dat' using 1:2 with points pt 7 ps 0.3 title 'redis, pre-copy/tcp', 'timeline-redis-pre-copy-uring.dat' using 1:2 with points pt 7 ps 0.3 title 'redis, pre-copy/uring', 'timeline-redis-stop-and-copy-tcp.dat' using 1:2 with points pt 7 ps 0.3 title 'redis, stop-and-copy/tcp'
