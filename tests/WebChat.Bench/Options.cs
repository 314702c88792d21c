using System.Globalization;

namespace WebChat.Bench;

public sealed class Options
{
    public Options Clone() => (Options)MemberwiseClone();

    public string Adapter = "legacy";
    public string Host = "127.0.0.1";
    public int Port;
    public int Groups = 10;          // G
    public int Members = 10;         // M, per group
    public int Senders = 2;          // S, per group
    public double Rate = 5;          // r, messages per second per sender
    public double Duration = 20;     // D, measured seconds
    public double Warmup = 5;        // W, seconds sent but not measured
    public int MessageSize = 64;     // chat text length in bytes (payload fields + 'x' padding)
    public int ServerPid;            // 0 = none
    public string? MetricsUrl;       // the server's Prometheus endpoint, e.g. http://127.0.0.1:8080/metrics
    public string Eol = "\n";        // legacy dialogue input terminator
    public string Protocol = "json"; // signalr / mixed: hub protocol
    public string HubHost = "127.0.0.1";
    public int HubPort = 8080;       // mixed: the app's HTTP port (the hub)
    public double TcpFraction = 0.5; // mixed: share of members on the TCP door
    public string WsClient = "official"; // mixed: the SignalR members' client, official | lite
    public string? Target2Host;      // legacy: a second node's TCP door for every other member
    public int Target2Port;
    public int ConnectConcurrency = 64;
    public double StepTimeout = 15;  // per setup step (prompt, echo)
    public double SetupDeadline = 180; // all joins must finish within this; the rest count as failed
    public double Drain = 5;         // max seconds to wait for stragglers after sending stops
    public int WarmServer = 0;       // connections set up, used and closed before the server's RSS baseline
    public double Settle = 1;        // seconds after setup before sending (join notices, history)
    public bool GracefulLeave = true;
    public string Label = "";
    public int Seed = 12345;
    public string? JsonOut;
    public bool Quiet;
    public bool TcpQuickAck;

    // find-max
    public bool FindMax;
    public double P99BoundMs = 100;
    public double MaxLossRatio = 0;  // lost/expected allowed per step
    public string Vary = "senders";  // senders | rate
    public double StepFactor = 1.5;
    public int MaxSteps = 12;
    public int StepRetries = 1;      // a failed step is run again this many times before giving up
    public double StepDuration = -1; // default: D
    public double StepWarmup = -1;   // default: W

    public const string Usage = """
        WebChat.Bench: group chat load generator (legacy TCP menu protocol, SignalR hub, IRC)

        dotnet WebChat.Bench.dll --adapter legacy|signalr|signalr-lite|mixed|irc [--target host:port] [workload] [options]

        Workload
          -G, --groups N          groups (default 10)
          -M, --members N         members per group, all connected (default 10)
          -S, --senders N         senders per group, the first N members (default 2)
          -r, --rate R            messages per second per sender (default 5)
          -D, --duration SEC      measured seconds (default 20)
          -W, --warmup SEC        seconds of sending before measuring (default 5)
              --msg-size BYTES    chat text length (default 64, minimum ~40 for the stamp)

        Target and protocol
              --target HOST:PORT  default 127.0.0.1:5555 (legacy, mixed), 127.0.0.1:8080 (signalr*:
                                  the app's HTTP address; the hub is /hubs/chat), 127.0.0.1:6667 (irc)
              --protocol json|messagepack   signalr/signalr-lite/mixed: the hub protocol (default
                                  json); WebSockets only, negotiation skipped
                                  (signalr-lite: the same hub protocol spoken over a bare
                                  ClientWebSocket, no HubConnection; far less generator CPU)
              --hub HOST:PORT     mixed: the app's HTTP address for the SignalR members
                                  (default 127.0.0.1:8080); --target is then the TCP gateway
              --tcp-fraction F    mixed: share of each group's members on the TCP door, spread
                                  evenly over the members, creator and senders included
                                  (default 0.5; giving it selects --adapter mixed)
              --ws-client official|lite   mixed: the SignalR members use HubConnection (official,
                                  the default) or the signalr-lite client
              --target2 HOST:PORT legacy: a second node's TCP door (WebChat on Redis); the members
                                  of each group alternate between --target (member 0, the creator,
                                  and every even one) and this (every odd one), senders included
              --eol lf|crlf|none  legacy: terminator after menu choice/name/id/password;
                                  'none' = the seed client's style (required by the seed server).
                                  Chat lines always end with LF (CRLF with --eol crlf).
              --server-pid PID    report the server's RSS (baseline, after setup, peak, per
                                  connection) and CPU seconds during the measured window (/proc)
              --metrics-url URL   the server's Prometheus metrics (WebChat: http://HOST:PORT/metrics):
                                  report what it allocated, thread-pool work items, GCs and lock
                                  contentions over the measured window, also per delivery

        Run control
              --connect-concurrency N   parallel member setups (default 64)
              --step-timeout SEC        per dialogue step during setup (default 15)
              --setup-deadline SEC      joins still unfinished after this count as failed and the
                                        run goes on with the members that did get in (default 180)
              --settle SEC              pause between setup and first message (default 1)
              --warm-server N           before the server's RSS baseline: N connections in 2 groups join, chat
                                        for 2 s and leave, so the per-connection RSS is the marginal cost of a
                                        connection, not the code and runtime pages its first use brings in (default 0)
              --drain SEC               wait for late deliveries after sending stops (default 5)
              --leave graceful|abrupt   graceful: legacy Exit then 3, IRC QUIT (default)
              --label TEXT              copied into the JSON line
              --json-out FILE           also append the final JSON line to FILE
              --seed N                  random seed for send phases (default 12345)
              --quiet                   only the JSON line(s)
              --tcp-quickack            diagnostic: never delay ACKs on the generator's sockets
                                        (shows how much tail latency is Nagle + delayed ACK)

        Find-max mode (raises the offered rate step by step, same connections throughout)
              --find-max
              --p99-bound-ms MS   a step fails when p99 latency exceeds this (default 100)
              --max-loss RATIO    ... or lost/expected exceeds this (default 0: any loss fails)
              --vary senders|rate raise senders per group up to M, then the rate (default senders,
                                  which keeps every member at <= r msg/s, e.g. under a per-member
                                  flood limit) or raise r only
              --step-factor F     multiply the offered rate by F each step (default 1.5)
              --max-steps N       (default 12)
              --step-retries N    run a failed step again up to N times; it passes if any try
                                  passes (default 1; noise on a shared machine)
              --step-duration SEC measured seconds per step (default D)
              --step-warmup SEC   warm-up per step (default W)

        Output: a human summary, then one JSON line starting with {"chatload": ...}.
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        string? target = null;
        bool tcpFraction = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            double D() => double.Parse(Next(), CultureInfo.InvariantCulture);
            int I() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (a)
            {
                case "--adapter": case "-a": o.Adapter = Next(); break;
                case "--target": case "-t": target = Next(); break;
                case "--groups": case "-G": o.Groups = I(); break;
                case "--members": case "-M": o.Members = I(); break;
                case "--senders": case "-S": o.Senders = I(); break;
                case "--rate": case "-r": o.Rate = D(); break;
                case "--duration": case "-D": o.Duration = D(); break;
                case "--warmup": case "-W": o.Warmup = D(); break;
                case "--msg-size": o.MessageSize = I(); break;
                case "--server-pid": o.ServerPid = I(); break;
                case "--metrics-url": o.MetricsUrl = Next(); break;
                case "--protocol":
                    o.Protocol = Next();
                    if (o.Protocol is not ("json" or "messagepack")) throw new ArgumentException("--protocol json|messagepack");
                    break;
                case "--ws-client":
                    o.WsClient = Next();
                    if (o.WsClient is not ("official" or "lite")) throw new ArgumentException("--ws-client official|lite");
                    break;
                case "--hub": (o.HubHost, o.HubPort) = HostPort(Next()); break;
                case "--target2": (o.Target2Host, o.Target2Port) = HostPort(Next()); break;
                case "--tcp-fraction":
                    o.TcpFraction = D();
                    if (o.TcpFraction is < 0 or > 1) throw new ArgumentException("--tcp-fraction wants 0..1");
                    tcpFraction = true;
                    break;
                case "--eol":
                    o.Eol = Next() switch
                    {
                        "lf" => "\n",
                        "crlf" => "\r\n",
                        "none" => "",
                        var x => throw new ArgumentException($"--eol {x}: use lf, crlf or none"),
                    };
                    break;
                case "--connect-concurrency": o.ConnectConcurrency = I(); break;
                case "--step-timeout": o.StepTimeout = D(); break;
                case "--setup-deadline": o.SetupDeadline = D(); break;
                case "--drain": o.Drain = D(); break;
                case "--settle": o.Settle = D(); break;
                case "--warm-server": o.WarmServer = (int)D(); break;
                case "--leave": o.GracefulLeave = Next() != "abrupt"; break;
                case "--label": o.Label = Next(); break;
                case "--json-out": o.JsonOut = Next(); break;
                case "--seed": o.Seed = I(); break;
                case "--quiet": o.Quiet = true; break;
                case "--tcp-quickack": o.TcpQuickAck = true; break;
                case "--find-max": o.FindMax = true; break;
                case "--p99-bound-ms": o.P99BoundMs = D(); break;
                case "--max-loss": o.MaxLossRatio = D(); break;
                case "--vary": o.Vary = Next(); break;
                case "--step-factor": o.StepFactor = D(); break;
                case "--max-steps": o.MaxSteps = I(); break;
                case "--step-retries": o.StepRetries = I(); break;
                case "--step-duration": o.StepDuration = D(); break;
                case "--step-warmup": o.StepWarmup = D(); break;
                case "--help": case "-h": throw new HelpRequested();
                default: throw new ArgumentException($"unknown option '{a}'");
            }
        }
        if (tcpFraction) o.Adapter = "mixed";
        if (!Adapters.AdapterFactory.Known.Contains(o.Adapter))
            throw new ArgumentException($"unknown adapter '{o.Adapter}'");
        o.Port = Adapters.AdapterFactory.DefaultPort(o.Adapter);
        if (target != null) (o.Host, o.Port) = HostPort(target);
        if (o.Target2Host != null && o.Adapter != "legacy") throw new ArgumentException("--target2 is for --adapter legacy");
        if (o.Groups < 1 || o.Members < 2) throw new ArgumentException("need G >= 1 and M >= 2");
        if (o.Senders < 1 || o.Senders > o.Members) throw new ArgumentException("need 1 <= S <= M");
        if (o.Rate <= 0 || o.Duration <= 0 || o.Warmup < 0) throw new ArgumentException("need r > 0, D > 0, W >= 0");
        if (o.Vary is not ("senders" or "rate")) throw new ArgumentException("--vary senders|rate");
        if (o.StepFactor <= 1) throw new ArgumentException("--step-factor must be > 1");
        if (o.StepDuration <= 0) o.StepDuration = o.Duration;
        if (o.StepWarmup < 0) o.StepWarmup = o.Warmup;
        return o;
    }

    private static (string Host, int Port) HostPort(string s)
    {
        int c = s.LastIndexOf(':');
        if (c <= 0) throw new ArgumentException($"'{s}': want HOST:PORT");
        return (s[..c], int.Parse(s[(c + 1)..], CultureInfo.InvariantCulture));
    }
}

public sealed class HelpRequested : Exception;
