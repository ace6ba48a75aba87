#pragma once
// What the system and this process say about memory (Linux /proc), and how
// DiffScope writes byte counts.
#include <cstdint>
#include <optional>
#include <string>

namespace diffscope {

// What this process may still use: MemAvailable from /proc/meminfo, or less
// where its control group (a container, a systemd slice) caps it lower;
// nullopt where neither says.
std::optional<uint64_t> available_memory_bytes();

// MemAvailable alone (the whole machine); nullopt where the system does not say.
std::optional<uint64_t> machine_available_bytes();

// The tighter of the machine's and the group's figures; whichever is known
// where only one is. available_memory_bytes() is this of the two readings.
std::optional<uint64_t> tighter_memory_bound(std::optional<uint64_t> machine,
                                             std::optional<uint64_t> group);

// This process's resident memory now and at its peak (VmRSS, VmHWM), 0 where unknown.
uint64_t resident_bytes();
uint64_t peak_resident_bytes();

// "1.2 GB", "350 MB".
std::string format_bytes(uint64_t bytes);

}  // namespace diffscope
