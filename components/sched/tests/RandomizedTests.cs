using System;
using System.Collections.Generic;
using Xunit;

namespace Aurora.Sched.Tests;

/// <summary>
/// Random operations checked against a plain model: a sorted set of (virtual runtime, id) for
/// the queued entities, plus the expected fields of every entity and the queue's counters,
/// computed independently with 128-bit arithmetic. The seed is in every failure message; replay
/// with AURORA_SEED=&lt;seed&gt; dotnet test.
/// </summary>
public unsafe class RandomizedTests
{
    private const int Rounds = 4;
    private const int OperationsPerRound = 250_000;

    [Fact]
    public void RandomOperationsMatchTheModel()
    {
        int seed = TestSeed.Get();
        for (int round = 0; round < Rounds; round++)
        {
            new ModelRun(seed, round).Run(OperationsPerRound);
        }
    }

    [Fact]
    public void MinVirtualRuntimeNeverDecreasesUnderChurn()
    {
        int seed = TestSeed.Get();
        var random = new Random(seed);
        using var h = new SchedHarness(16);
        ulong last = 0;
        for (int i = 0; i < 200_000; i++)
        {
            SchedEntity* e = h[random.Next(16)];
            switch (random.Next(4))
            {
                case 0:
                    if (!e->IsQueued && !e->IsCurrent)
                    {
                        e->VirtualRuntime = (ulong)random.NextInt64((long)h.Queue.MinVirtualRuntime + 1); // always behind the floor
                        h.Queue.Add(e, waking: random.Next(2) == 0);
                    }

                    break;
                case 1:
                    h.Queue.Remove(h.Queue.PeekNext() != null ? h.Queue.PeekNext() : e);
                    break;
                case 2:
                    h.Queue.Tick((ulong)random.Next(3_000_000));
                    break;
                default:
                    h.Queue.PickNext(random.Next(3) != 0);
                    break;
            }

            if (h.Queue.MinVirtualRuntime < last)
            {
                Assert.Fail($"seed={seed} op={i}: MinVirtualRuntime went from {last} down to {h.Queue.MinVirtualRuntime}");
            }

            last = h.Queue.MinVirtualRuntime;
        }

        Assert.True(last > 0, $"seed={seed}: the floor never moved");
    }

    private sealed class ModelRun : IDisposable
    {
        private const int Entities = 200;

        private readonly Random _random;
        private readonly int _seed;
        private readonly int _round;
        private readonly SchedHarness _h;
        private readonly SortedSet<(ulong Vruntime, ulong Id)> _queued = new();
        private readonly ulong[] _vruntime = new ulong[Entities];
        private readonly ulong[] _sincePicked = new ulong[Entities];
        private readonly ulong[] _total = new ulong[Entities];
        private readonly uint[] _weight = new uint[Entities];
        private readonly ulong _latency;
        private readonly ulong _granularity;
        private readonly ulong _wakeup;
        private int _current = -1;
        private ulong _min;
        private ulong _totalWeight;
        private int _operation;

        public ModelRun(int seed, int round)
        {
            _seed = seed;
            _round = round;
            _random = new Random(seed + round);
            _h = new SchedHarness(Entities);
            _latency = (ulong)_random.Next(1, 20_000_000);
            _granularity = (ulong)_random.Next(1, 2_000_000);
            _wakeup = (ulong)_random.Next(0, 4_000_000);
            Check(_h.Queue.Configure(_latency, _granularity, _wakeup) == SchedError.None, "configure");
            for (int i = 0; i < Entities; i++)
            {
                _weight[i] = 1024;
            }
        }

        public void Run(int operations)
        {
            try
            {
                for (_operation = 0; _operation < operations; _operation++)
                {
                    ulong floorBefore = _h.Queue.MinVirtualRuntime;
                    int dice = _random.Next(100);
                    if (dice < 28)
                    {
                        Add();
                    }
                    else if (dice < 40)
                    {
                        Remove();
                    }
                    else if (dice < 70)
                    {
                        Tick();
                    }
                    else if (dice < 95)
                    {
                        PickNext();
                    }
                    else
                    {
                        SetNice();
                    }

                    Check(_h.Queue.MinVirtualRuntime >= floorBefore, "MinVirtualRuntime decreased");
                    CheckCounters();
                    if (_operation % 1000 == 0)
                    {
                        CheckEverything();
                    }
                }

                CheckEverything();
            }
            finally
            {
                Dispose();
            }
        }

        public void Dispose() => _h.Dispose();

        private void Add()
        {
            int i = _random.Next(Entities);
            SchedEntity* e = _h[i];
            bool waking = _random.Next(2) == 0;
            bool queued = _queued.Contains((_vruntime[i], (ulong)i));
            if (!queued && i != _current)
            {
                // A fresh start, a value near the floor (ties included), or a large one.
                _vruntime[i] = _random.Next(4) switch
                {
                    0 => 0,
                    1 => _min + (ulong)_random.Next(-3, 4),
                    2 => _min + (ulong)_random.NextInt64(-20_000_000, 20_000_000),
                    _ => _vruntime[i],
                };
                if (_vruntime[i] > ulong.MaxValue / 2)
                {
                    _vruntime[i] = 0; // wrapped below zero
                }

                e->VirtualRuntime = _vruntime[i];
            }

            SchedError error = _h.Queue.Add(e, waking);
            if (queued)
            {
                Check(error == SchedError.AlreadyQueued, $"add of queued {i}: {error}");
                return;
            }

            if (i == _current)
            {
                Check(error == SchedError.IsCurrent, $"add of current {i}: {error}");
                return;
            }

            Check(error == SchedError.None, $"add {i}: {error}");
            ulong floor = _min;
            if (waking)
            {
                floor = floor > _latency / 2 ? floor - (_latency / 2) : 0;
            }

            _vruntime[i] = Math.Max(_vruntime[i], floor);
            Check(e->VirtualRuntime == _vruntime[i], $"add {i} placed at {e->VirtualRuntime}, model {_vruntime[i]}");
            _queued.Add((_vruntime[i], (ulong)i));
            _totalWeight += _weight[i];
        }

        private void Remove()
        {
            // Mostly queued entities (the leftmost often), sometimes anything.
            int i;
            if (_queued.Count > 0 && _random.Next(4) != 0)
            {
                i = _random.Next(3) == 0 ? (int)_queued.Min.Id : (int)_h.Queue.PeekNext()->Id;
                if (_random.Next(2) == 0)
                {
                    int skip = _random.Next(_queued.Count);
                    foreach (var item in _queued)
                    {
                        if (skip-- == 0)
                        {
                            i = (int)item.Id;
                            break;
                        }
                    }
                }
            }
            else
            {
                i = _random.Next(Entities);
            }

            SchedError error = _h.Queue.Remove(_h[i]);
            if (i == _current)
            {
                Check(error == SchedError.IsCurrent, $"remove of current {i}: {error}");
            }
            else if (!_queued.Remove((_vruntime[i], (ulong)i)))
            {
                Check(error == SchedError.NotQueued, $"remove of unqueued {i}: {error}");
            }
            else
            {
                Check(error == SchedError.None, $"remove {i}: {error}");
                _totalWeight -= _weight[i];
                UpdateMin();
            }
        }

        private void Tick()
        {
            ulong delta = _random.Next(50) == 0 ? (ulong)_random.NextInt64(5_000_000_000) : (ulong)_random.Next(3_000_000);
            bool preempt = _h.Queue.Tick(delta);
            if (_current < 0)
            {
                Check(!preempt, "tick preempted an idle queue");
                return;
            }

            int c = _current;
            _total[c] += delta;
            _sincePicked[c] += delta;
            _vruntime[c] += (ulong)((UInt128)delta * 1024 / _weight[c]);
            SchedEntity* e = _h[c];
            Check(e->VirtualRuntime == _vruntime[c] && e->TotalRuntimeNs == _total[c] && e->RuntimeSincePickedNs == _sincePicked[c], $"tick of {c}: {e->VirtualRuntime} vs {_vruntime[c]}");
            UpdateMin();
            bool expected = false;
            if (_queued.Count > 0)
            {
                ulong runnable = (ulong)_queued.Count + 1;
                ulong period = Math.Max(_latency, runnable * _granularity);
                ulong slice = Math.Max((ulong)((UInt128)period * _weight[c] / _totalWeight), _granularity);
                ulong next = _queued.Min.Vruntime;
                expected = _sincePicked[c] >= slice || (_vruntime[c] > next && _vruntime[c] - next > _wakeup);
            }

            Check(preempt == expected, $"tick of {c} said {preempt}, model {expected}");
        }

        private void PickNext()
        {
            bool runnable = _random.Next(3) != 0;
            SchedEntity* picked = _h.Queue.PickNext(runnable);
            if (_current >= 0)
            {
                if (runnable)
                {
                    _queued.Add((_vruntime[_current], (ulong)_current));
                }
                else
                {
                    _totalWeight -= _weight[_current];
                }

                _current = -1;
            }

            if (_queued.Count == 0)
            {
                Check(picked == null, "picked from an empty queue");
                return;
            }

            var min = _queued.Min;
            Check(picked == _h[(int)min.Id], $"picked {_h.IndexOf(picked)}, model {min.Id}");
            _queued.Remove(min);
            _current = (int)min.Id;
            _sincePicked[_current] = 0;
            UpdateMin();
        }

        private void SetNice()
        {
            int i = _random.Next(Entities);
            int nice = _random.Next(NiceWeights.MinNice - 2, NiceWeights.MaxNice + 3);
            _h.Queue.SetNice(_h[i], nice);
            uint weight = NiceWeights.Weight(nice);
            if (i == _current || _queued.Contains((_vruntime[i], (ulong)i)))
            {
                _totalWeight = _totalWeight - _weight[i] + weight;
            }

            _weight[i] = weight;
            Check(_h[i]->Weight == weight, $"set nice of {i}");
        }

        private void UpdateMin()
        {
            ulong? candidate = null;
            if (_current >= 0)
            {
                candidate = _vruntime[_current];
            }

            if (_queued.Count > 0)
            {
                candidate = candidate.HasValue ? Math.Min(candidate.Value, _queued.Min.Vruntime) : _queued.Min.Vruntime;
            }

            if (candidate.HasValue && candidate.Value > _min)
            {
                _min = candidate.Value;
            }
        }

        private void CheckCounters()
        {
            Check(_h.Queue.Count == _queued.Count, $"count {_h.Queue.Count}, model {_queued.Count}");
            Check(_h.Queue.TotalWeight == _totalWeight, $"total weight {_h.Queue.TotalWeight}, model {_totalWeight}");
            Check(_h.Queue.MinVirtualRuntime == _min, $"min vruntime {_h.Queue.MinVirtualRuntime}, model {_min}");
            Check(_h.IndexOf(_h.Queue.Current) == _current, $"current {_h.IndexOf(_h.Queue.Current)}, model {_current}");
            SchedEntity* next = _h.Queue.PeekNext();
            Check(_queued.Count == 0 ? next == null : next == _h[(int)_queued.Min.Id], "leftmost differs from the model's minimum");
        }

        private void CheckEverything()
        {
            Check(_h.Queue.Validate(), "Validate failed");
            for (int i = 0; i < Entities; i++)
            {
                bool queued = _queued.Contains((_vruntime[i], (ulong)i));
                Check(_h[i]->IsQueued == queued && _h[i]->IsCurrent == (i == _current), $"state of {i}");
                Check(_h[i]->VirtualRuntime == _vruntime[i], $"vruntime of {i}");
            }
        }

        private void Check(bool condition, string what)
        {
            if (!condition)
            {
                Assert.Fail($"seed={_seed} round={_round} op={_operation}: {what}");
            }
        }
    }
}
